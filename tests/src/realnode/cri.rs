//! A CRI client for the tests: the few messages of `runtime.v1.RuntimeService` that the real node
//! needs, written by hand as prost structs, and unary gRPC calls over HTTP/2 on a unix socket.
//!
//! The field numbers are those of the published CRI proto (kubernetes/cri-api,
//! `pkg/apis/runtime/v1/api.proto`); fields the tests never set or read are left out, which
//! protobuf allows both ways (unknown fields are skipped when decoding, absent ones are defaults).
//! No protoc and no generated code: a gRPC unary call is one HTTP/2 POST whose body is a
//! length-prefixed message, answered by one such message and a `grpc-status` trailer.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use prost::Message;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum CriError {
    #[error("{socket}: {what}")]
    Transport { socket: PathBuf, what: String },
    #[error("{socket}: {method}: gRPC status {code}: {message}")]
    Status {
        socket: PathBuf,
        method: String,
        code: u32,
        message: String,
    },
    #[error("{socket}: {method}: {what}")]
    Reply {
        socket: PathBuf,
        method: String,
        what: String,
    },
    #[error("{socket}: {method}: no answer within {secs}s")]
    Timeout {
        socket: PathBuf,
        method: String,
        secs: u64,
    },
}

/// `NamespaceMode` of the CRI: POD shares the sandbox's, CONTAINER is the container's own,
/// NODE is the host's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum NamespaceMode {
    Pod = 0,
    Container = 1,
    Node = 2,
    Target = 3,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum PodSandboxState {
    SandboxReady = 0,
    SandboxNotready = 1,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum ContainerState {
    ContainerCreated = 0,
    ContainerRunning = 1,
    ContainerExited = 2,
    ContainerUnknown = 3,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct VersionRequest {
    #[prost(string, tag = "1")]
    pub version: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct VersionResponse {
    #[prost(string, tag = "1")]
    pub version: String,
    #[prost(string, tag = "2")]
    pub runtime_name: String,
    #[prost(string, tag = "3")]
    pub runtime_version: String,
    #[prost(string, tag = "4")]
    pub runtime_api_version: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct NamespaceOption {
    #[prost(enumeration = "NamespaceMode", tag = "1")]
    pub network: i32,
    #[prost(enumeration = "NamespaceMode", tag = "2")]
    pub pid: i32,
    #[prost(enumeration = "NamespaceMode", tag = "3")]
    pub ipc: i32,
    #[prost(string, tag = "4")]
    pub target_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct LinuxSandboxSecurityContext {
    #[prost(message, optional, tag = "1")]
    pub namespace_options: Option<NamespaceOption>,
    #[prost(bool, tag = "6")]
    pub privileged: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct LinuxPodSandboxConfig {
    #[prost(string, tag = "1")]
    pub cgroup_parent: String,
    #[prost(message, optional, tag = "2")]
    pub security_context: Option<LinuxSandboxSecurityContext>,
    #[prost(map = "string, string", tag = "3")]
    pub sysctls: HashMap<String, String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PodSandboxMetadata {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub uid: String,
    #[prost(string, tag = "3")]
    pub namespace: String,
    #[prost(uint32, tag = "4")]
    pub attempt: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct DnsConfig {
    #[prost(string, repeated, tag = "1")]
    pub servers: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    pub searches: Vec<String>,
    #[prost(string, repeated, tag = "3")]
    pub options: Vec<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PodSandboxConfig {
    #[prost(message, optional, tag = "1")]
    pub metadata: Option<PodSandboxMetadata>,
    #[prost(string, tag = "2")]
    pub hostname: String,
    #[prost(string, tag = "3")]
    pub log_directory: String,
    #[prost(message, optional, tag = "4")]
    pub dns_config: Option<DnsConfig>,
    #[prost(map = "string, string", tag = "6")]
    pub labels: HashMap<String, String>,
    #[prost(map = "string, string", tag = "7")]
    pub annotations: HashMap<String, String>,
    #[prost(message, optional, tag = "8")]
    pub linux: Option<LinuxPodSandboxConfig>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct RunPodSandboxRequest {
    #[prost(message, optional, tag = "1")]
    pub config: Option<PodSandboxConfig>,
    #[prost(string, tag = "2")]
    pub runtime_handler: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct RunPodSandboxResponse {
    #[prost(string, tag = "1")]
    pub pod_sandbox_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PodSandboxIdRequest {
    #[prost(string, tag = "1")]
    pub pod_sandbox_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Empty {}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PodSandboxStatusRequest {
    #[prost(string, tag = "1")]
    pub pod_sandbox_id: String,
    #[prost(bool, tag = "2")]
    pub verbose: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PodSandboxNetworkStatus {
    #[prost(string, tag = "1")]
    pub ip: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct SandboxNamespace {
    #[prost(message, optional, tag = "2")]
    pub options: Option<NamespaceOption>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct LinuxPodSandboxStatus {
    #[prost(message, optional, tag = "1")]
    pub namespaces: Option<SandboxNamespace>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PodSandboxStatus {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(message, optional, tag = "2")]
    pub metadata: Option<PodSandboxMetadata>,
    #[prost(enumeration = "PodSandboxState", tag = "3")]
    pub state: i32,
    #[prost(message, optional, tag = "5")]
    pub network: Option<PodSandboxNetworkStatus>,
    #[prost(message, optional, tag = "6")]
    pub linux: Option<LinuxPodSandboxStatus>,
    #[prost(map = "string, string", tag = "7")]
    pub labels: HashMap<String, String>,
    #[prost(map = "string, string", tag = "8")]
    pub annotations: HashMap<String, String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PodSandboxStatusResponse {
    #[prost(message, optional, tag = "1")]
    pub status: Option<PodSandboxStatus>,
    /// With `verbose`, containerd puts a JSON document under the key `info` (pid, runtime spec).
    #[prost(map = "string, string", tag = "2")]
    pub info: HashMap<String, String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PodSandboxFilter {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(map = "string, string", tag = "3")]
    pub label_selector: HashMap<String, String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ListPodSandboxRequest {
    #[prost(message, optional, tag = "1")]
    pub filter: Option<PodSandboxFilter>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PodSandbox {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(message, optional, tag = "2")]
    pub metadata: Option<PodSandboxMetadata>,
    #[prost(enumeration = "PodSandboxState", tag = "3")]
    pub state: i32,
    #[prost(map = "string, string", tag = "5")]
    pub labels: HashMap<String, String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ListPodSandboxResponse {
    #[prost(message, repeated, tag = "1")]
    pub items: Vec<PodSandbox>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ImageSpec {
    #[prost(string, tag = "1")]
    pub image: String,
    /// What the pod spec said (kubelet >= 1.29 sends it beside the resolved image id).
    #[prost(string, tag = "18")]
    pub user_specified_image: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyValue {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(string, tag = "2")]
    pub value: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct LinuxContainerResources {
    #[prost(int64, tag = "1")]
    pub cpu_period: i64,
    #[prost(int64, tag = "2")]
    pub cpu_quota: i64,
    #[prost(int64, tag = "3")]
    pub cpu_shares: i64,
    #[prost(int64, tag = "4")]
    pub memory_limit_in_bytes: i64,
    #[prost(int64, tag = "5")]
    pub oom_score_adj: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct LinuxContainerSecurityContext {
    #[prost(message, optional, tag = "3")]
    pub namespace_options: Option<NamespaceOption>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct LinuxContainerConfig {
    #[prost(message, optional, tag = "1")]
    pub resources: Option<LinuxContainerResources>,
    #[prost(message, optional, tag = "2")]
    pub security_context: Option<LinuxContainerSecurityContext>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ContainerMetadata {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(uint32, tag = "2")]
    pub attempt: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ContainerConfig {
    #[prost(message, optional, tag = "1")]
    pub metadata: Option<ContainerMetadata>,
    #[prost(message, optional, tag = "2")]
    pub image: Option<ImageSpec>,
    #[prost(string, repeated, tag = "3")]
    pub command: Vec<String>,
    #[prost(string, repeated, tag = "4")]
    pub args: Vec<String>,
    #[prost(string, tag = "5")]
    pub working_dir: String,
    #[prost(message, repeated, tag = "6")]
    pub envs: Vec<KeyValue>,
    #[prost(map = "string, string", tag = "9")]
    pub labels: HashMap<String, String>,
    #[prost(map = "string, string", tag = "10")]
    pub annotations: HashMap<String, String>,
    #[prost(string, tag = "11")]
    pub log_path: String,
    #[prost(message, optional, tag = "15")]
    pub linux: Option<LinuxContainerConfig>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct CreateContainerRequest {
    #[prost(string, tag = "1")]
    pub pod_sandbox_id: String,
    #[prost(message, optional, tag = "2")]
    pub config: Option<ContainerConfig>,
    #[prost(message, optional, tag = "3")]
    pub sandbox_config: Option<PodSandboxConfig>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct CreateContainerResponse {
    #[prost(string, tag = "1")]
    pub container_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ContainerIdRequest {
    #[prost(string, tag = "1")]
    pub container_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct StopContainerRequest {
    #[prost(string, tag = "1")]
    pub container_id: String,
    #[prost(int64, tag = "2")]
    pub timeout: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ContainerFilter {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "3")]
    pub pod_sandbox_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ListContainersRequest {
    #[prost(message, optional, tag = "1")]
    pub filter: Option<ContainerFilter>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Container {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub pod_sandbox_id: String,
    #[prost(message, optional, tag = "3")]
    pub metadata: Option<ContainerMetadata>,
    #[prost(message, optional, tag = "4")]
    pub image: Option<ImageSpec>,
    #[prost(enumeration = "ContainerState", tag = "6")]
    pub state: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ListContainersResponse {
    #[prost(message, repeated, tag = "1")]
    pub containers: Vec<Container>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ContainerStatusRequest {
    #[prost(string, tag = "1")]
    pub container_id: String,
    #[prost(bool, tag = "2")]
    pub verbose: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ContainerStatus {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(message, optional, tag = "2")]
    pub metadata: Option<ContainerMetadata>,
    #[prost(enumeration = "ContainerState", tag = "3")]
    pub state: i32,
    #[prost(message, optional, tag = "8")]
    pub image: Option<ImageSpec>,
    #[prost(string, tag = "9")]
    pub image_ref: String,
    #[prost(map = "string, string", tag = "12")]
    pub labels: HashMap<String, String>,
    #[prost(map = "string, string", tag = "13")]
    pub annotations: HashMap<String, String>,
    #[prost(string, tag = "15")]
    pub log_path: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ContainerStatusResponse {
    #[prost(message, optional, tag = "1")]
    pub status: Option<ContainerStatus>,
    /// With `verbose`, containerd puts a JSON document under the key `info` (pid, sandboxID).
    #[prost(map = "string, string", tag = "2")]
    pub info: HashMap<String, String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ImageStatusRequest {
    #[prost(message, optional, tag = "1")]
    pub image: Option<ImageSpec>,
    #[prost(bool, tag = "2")]
    pub verbose: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Image {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, repeated, tag = "2")]
    pub repo_tags: Vec<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ImageStatusResponse {
    #[prost(message, optional, tag = "1")]
    pub image: Option<Image>,
}

const RUNTIME_SERVICE: &str = "runtime.v1.RuntimeService";
const IMAGE_SERVICE: &str = "runtime.v1.ImageService";

/// A blocking CRI client on one unix socket: a current-thread tokio runtime that runs only
/// while a call is made, and one HTTP/2 connection.
pub struct CriClient {
    socket: PathBuf,
    runtime: tokio::runtime::Runtime,
    sender: h2::client::SendRequest<Bytes>,
    timeout: Duration,
}

impl CriClient {
    /// Connects and checks that the runtime answers `Version`.
    pub fn connect(socket: &Path, timeout: Duration) -> Result<CriClient, CriError> {
        let transport = |what: String| CriError::Transport {
            socket: socket.to_path_buf(),
            what,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| transport(format!("starting the client's runtime: {e}")))?;
        let sender = runtime.block_on(async {
            let stream = tokio::time::timeout(timeout, tokio::net::UnixStream::connect(socket))
                .await
                .map_err(|_| transport("connect timed out".to_string()))?
                .map_err(|e| transport(format!("connect: {e}")))?;
            let (sender, connection) = h2::client::handshake(stream)
                .await
                .map_err(|e| transport(format!("HTTP/2 handshake: {e}")))?;
            // Drives the connection; it ends when the sender is dropped.
            tokio::spawn(async move {
                let _ = connection.await;
            });
            Ok::<_, CriError>(sender)
        })?;
        let client = CriClient {
            socket: socket.to_path_buf(),
            runtime,
            sender,
            timeout,
        };
        client.version()?;
        Ok(client)
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    fn call<Req: Message, Resp: Message + Default>(
        &self,
        method: &str,
        request: &Req,
    ) -> Result<Resp, CriError> {
        self.call_service(RUNTIME_SERVICE, method, request)
    }

    fn call_service<Req: Message, Resp: Message + Default>(
        &self,
        service: &str,
        method: &str,
        request: &Req,
    ) -> Result<Resp, CriError> {
        let path = format!("/{service}/{method}");
        let sender = self.sender.clone();
        let socket = self.socket.clone();
        let mut body = BytesMut::with_capacity(5 + request.encoded_len());
        body.put_u8(0);
        body.put_u32(request.encoded_len() as u32);
        request
            .encode(&mut body)
            .expect("a BytesMut grows as needed");
        let reply = self.runtime.block_on(async {
            tokio::time::timeout(
                self.timeout,
                unary(sender, &socket, method, &path, body.freeze()),
            )
            .await
        });
        let bytes = match reply {
            Ok(result) => result?,
            Err(_) => {
                return Err(CriError::Timeout {
                    socket: self.socket.clone(),
                    method: method.to_string(),
                    secs: self.timeout.as_secs(),
                })
            }
        };
        Resp::decode(bytes).map_err(|e| CriError::Reply {
            socket: self.socket.clone(),
            method: method.to_string(),
            what: format!("not a {method} reply: {e}"),
        })
    }

    pub fn version(&self) -> Result<VersionResponse, CriError> {
        self.call(
            "Version",
            &VersionRequest {
                version: "v1".to_string(),
            },
        )
    }

    /// The image's id (`sha256:...`), which kubelet passes to CreateContainer.
    pub fn image_id(&self, name: &str) -> Result<Option<String>, CriError> {
        let reply: ImageStatusResponse = self.call_service(
            IMAGE_SERVICE,
            "ImageStatus",
            &ImageStatusRequest {
                image: Some(ImageSpec {
                    image: name.to_string(),
                    ..Default::default()
                }),
                verbose: false,
            },
        )?;
        Ok(reply.image.map(|image| image.id))
    }

    pub fn run_pod_sandbox(&self, config: &PodSandboxConfig) -> Result<String, CriError> {
        let reply: RunPodSandboxResponse = self.call(
            "RunPodSandbox",
            &RunPodSandboxRequest {
                config: Some(config.clone()),
                runtime_handler: String::new(),
            },
        )?;
        Ok(reply.pod_sandbox_id)
    }

    pub fn stop_pod_sandbox(&self, id: &str) -> Result<(), CriError> {
        self.call::<_, Empty>(
            "StopPodSandbox",
            &PodSandboxIdRequest {
                pod_sandbox_id: id.to_string(),
            },
        )
        .map(drop)
    }

    pub fn remove_pod_sandbox(&self, id: &str) -> Result<(), CriError> {
        self.call::<_, Empty>(
            "RemovePodSandbox",
            &PodSandboxIdRequest {
                pod_sandbox_id: id.to_string(),
            },
        )
        .map(drop)
    }

    pub fn pod_sandbox_status(&self, id: &str) -> Result<PodSandboxStatusResponse, CriError> {
        self.call(
            "PodSandboxStatus",
            &PodSandboxStatusRequest {
                pod_sandbox_id: id.to_string(),
                verbose: true,
            },
        )
    }

    pub fn list_pod_sandbox(&self) -> Result<Vec<PodSandbox>, CriError> {
        let reply: ListPodSandboxResponse =
            self.call("ListPodSandbox", &ListPodSandboxRequest { filter: None })?;
        Ok(reply.items)
    }

    pub fn create_container(
        &self,
        sandbox_id: &str,
        config: &ContainerConfig,
        sandbox_config: &PodSandboxConfig,
    ) -> Result<String, CriError> {
        let reply: CreateContainerResponse = self.call(
            "CreateContainer",
            &CreateContainerRequest {
                pod_sandbox_id: sandbox_id.to_string(),
                config: Some(config.clone()),
                sandbox_config: Some(sandbox_config.clone()),
            },
        )?;
        Ok(reply.container_id)
    }

    pub fn start_container(&self, id: &str) -> Result<(), CriError> {
        self.call::<_, Empty>(
            "StartContainer",
            &ContainerIdRequest {
                container_id: id.to_string(),
            },
        )
        .map(drop)
    }

    pub fn stop_container(&self, id: &str, timeout_secs: i64) -> Result<(), CriError> {
        self.call::<_, Empty>(
            "StopContainer",
            &StopContainerRequest {
                container_id: id.to_string(),
                timeout: timeout_secs,
            },
        )
        .map(drop)
    }

    pub fn list_containers(&self) -> Result<Vec<Container>, CriError> {
        let reply: ListContainersResponse =
            self.call("ListContainers", &ListContainersRequest { filter: None })?;
        Ok(reply.containers)
    }

    pub fn container_status(&self, id: &str) -> Result<ContainerStatusResponse, CriError> {
        self.call(
            "ContainerStatus",
            &ContainerStatusRequest {
                container_id: id.to_string(),
                verbose: true,
            },
        )
    }
}

/// One unary gRPC call: POST the framed request, read the framed reply and the status (in the
/// trailers, or in the headers of a trailers-only reply).
async fn unary(
    mut sender: h2::client::SendRequest<Bytes>,
    socket: &Path,
    method: &str,
    path: &str,
    body: Bytes,
) -> Result<Bytes, CriError> {
    let transport = |what: String| CriError::Transport {
        socket: socket.to_path_buf(),
        what: format!("{method}: {what}"),
    };
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("http://localhost{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .map_err(|e| transport(e.to_string()))?;
    sender = sender
        .ready()
        .await
        .map_err(|e| transport(format!("connection not ready: {e}")))?;
    let (response, mut stream) = sender
        .send_request(request, false)
        .map_err(|e| transport(format!("sending: {e}")))?;
    stream
        .send_data(body, true)
        .map_err(|e| transport(format!("sending the body: {e}")))?;
    let response = response
        .await
        .map_err(|e| transport(format!("no response: {e}")))?;
    let (head, mut received) = response.into_parts();
    if let Some(status) = grpc_status(&head.headers) {
        // A trailers-only reply: the call failed before any message.
        return Err(status_error(socket, method, status, &head.headers));
    }
    let mut data = BytesMut::new();
    while let Some(chunk) = received.data().await {
        let chunk = chunk.map_err(|e| transport(format!("reading the reply: {e}")))?;
        let _ = received.flow_control().release_capacity(chunk.len());
        data.extend_from_slice(&chunk);
    }
    let trailers = received
        .trailers()
        .await
        .map_err(|e| transport(format!("reading the trailers: {e}")))?
        .unwrap_or_default();
    match grpc_status(&trailers) {
        Some(0) => {}
        Some(code) => return Err(status_error(socket, method, code, &trailers)),
        None => return Err(transport("reply without grpc-status".to_string())),
    }
    let reply = |what: String| CriError::Reply {
        socket: socket.to_path_buf(),
        method: method.to_string(),
        what,
    };
    if data.len() < 5 {
        return Err(reply(format!("{} bytes, no message frame", data.len())));
    }
    let compressed = data.get_u8();
    let length = data.get_u32() as usize;
    if compressed != 0 {
        return Err(reply("compressed reply, none was asked for".to_string()));
    }
    if data.len() != length {
        return Err(reply(format!(
            "frame says {length} bytes, {} came",
            data.len()
        )));
    }
    Ok(data.freeze())
}

fn grpc_status(headers: &http::HeaderMap) -> Option<u32> {
    headers.get("grpc-status")?.to_str().ok()?.parse().ok()
}

fn status_error(socket: &Path, method: &str, code: u32, headers: &http::HeaderMap) -> CriError {
    let message = headers
        .get("grpc-message")
        .and_then(|m| m.to_str().ok())
        .map(percent_decode)
        .unwrap_or_default();
    CriError::Status {
        socket: socket.to_path_buf(),
        method: method.to_string(),
        code,
        message,
    }
}

/// grpc-message is percent-encoded (gRPC over HTTP/2, "Responses").
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(Ok(byte)) = text
                .get(i + 1..i + 3)
                .map(|hex| u8::from_str_radix(hex, 16))
            {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_messages_are_percent_decoded() {
        assert_eq!(
            percent_decode("failed%20to%20pull%3A%20x"),
            "failed to pull: x"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn messages_use_the_published_field_numbers() {
        // PodSandboxMetadata{name=1, uid=2, namespace=3, attempt=4}: tag bytes are
        // (field << 3) | wire type 2 for strings, 0 for varints.
        let metadata = PodSandboxMetadata {
            name: "a".into(),
            uid: "b".into(),
            namespace: "c".into(),
            attempt: 1,
        };
        assert_eq!(
            metadata.encode_to_vec(),
            vec![0x0a, 1, b'a', 0x12, 1, b'b', 0x1a, 1, b'c', 0x20, 1]
        );
        // LinuxPodSandboxConfig.cgroup_parent = 1; PodSandboxConfig.linux = 8.
        let config = PodSandboxConfig {
            linux: Some(LinuxPodSandboxConfig {
                cgroup_parent: "/k".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(config.encode_to_vec(), vec![0x42, 4, 0x0a, 2, b'/', b'k']);
    }
}
