//! HTTPS with a certificate made at test time: the service answers over TLS and refuses
//! plain HTTP on the same port.

#![allow(clippy::unwrap_used)] // tests: a failure is a test failure

mod common;

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, ServerName};
use shrike_server::config::TlsConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn serves_https_with_the_configured_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let mut config = common::config();
    config.server.tls = Some(TlsConfig { cert: cert_path, key: key_path });
    let svc = common::start(config).await;

    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(cert.cert.der().to_vec())).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let tcp = tokio::net::TcpStream::connect(svc.addr).await.unwrap();
    let mut tls = connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
    tls.write_all(b"GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n").await.unwrap();
    let mut reply = String::new();
    tls.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");

    // Plain HTTP gets no HTTP answer.
    let mut plain = tokio::net::TcpStream::connect(svc.addr).await.unwrap();
    plain.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), plain.read_to_end(&mut buf)).await;
    assert!(!String::from_utf8_lossy(&buf).contains("200"));
    svc.stop().await.unwrap();
}

#[test]
fn a_missing_certificate_is_named() {
    let config = TlsConfig { cert: "/nonexistent/cert.pem".into(), key: "/nonexistent/key.pem".into() };
    let err = shrike_server::tls::server_config(&config).err().unwrap();
    assert!(err.to_string().contains("/nonexistent/cert.pem"), "{err}");
}
