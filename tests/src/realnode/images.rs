//! The real node's images, built here because no registry is reachable: a busybox rootfs from
//! Debian's busybox-static, and a sandbox image whose only file is a static `pause` compiled
//! from `tests/realnode/pause.c`. Each is written as a plain rootfs tarball (for `docker import`
//! and `podman import`) and as an OCI image layout archive (for `ctr images import`).

use super::RealNodeError;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The image the containers run, as every runtime of the node names it.
pub const BUSYBOX_IMAGE: &str = "localhost/nodesnap/busybox:1";
/// The sandbox image: the CRI config's `sandbox_image` and podman's infra image.
pub const PAUSE_IMAGE: &str = "localhost/nodesnap/pause:1";

const PAUSE_SOURCE: &str = include_str!("../../realnode/pause.c");

/// Where busybox-static installs its binary (Debian 12 has merged /usr).
const BUSYBOX_CANDIDATES: [&str; 2] = ["/usr/bin/busybox", "/bin/busybox"];

/// One image in both forms.
#[derive(Debug, Clone)]
pub struct BuiltImage {
    pub name: &'static str,
    /// The rootfs as one tarball: what `docker import` and `podman import` take.
    pub rootfs_tar: PathBuf,
    /// An OCI image layout in a tar, named by the `io.containerd.image.name` annotation.
    pub oci_archive: PathBuf,
    /// The image config's entrypoint and command, for the importers that take them as a
    /// `--change`.
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Images {
    pub busybox: BuiltImage,
    pub pause: BuiltImage,
}

pub fn build(dir: &Path) -> Result<Images, RealNodeError> {
    fs::create_dir_all(dir).map_err(|e| RealNodeError::io(dir, e))?;
    let busybox_path = BUSYBOX_CANDIDATES
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            RealNodeError::Missing("busybox (Debian package busybox-static)".to_string())
        })?;
    let busybox = fs::read(busybox_path).map_err(|e| RealNodeError::io(busybox_path, e))?;
    if has_interpreter(&busybox) {
        // The dynamic busybox of Debian's `busybox` package would need a libc in the image.
        return Err(RealNodeError::Missing(format!(
            "a static busybox: {} is dynamically linked (install busybox-static)",
            busybox_path.display()
        )));
    }
    let applets = busybox_applets(busybox_path)?;
    let pause = compile_pause(dir)?;

    let busybox_layer = rootfs_tar(&busybox, &applets)?;
    let pause_layer = pause_tar(&pause)?;
    Ok(Images {
        busybox: write_image(
            dir,
            "busybox",
            BUSYBOX_IMAGE,
            &busybox_layer,
            &[],
            &["/bin/sh"],
        )?,
        pause: write_image(dir, "pause", PAUSE_IMAGE, &pause_layer, &["/pause"], &[])?,
    })
}

fn write_image(
    dir: &Path,
    stem: &str,
    name: &'static str,
    layer: &[u8],
    entrypoint: &[&str],
    cmd: &[&str],
) -> Result<BuiltImage, RealNodeError> {
    let rootfs_tar = dir.join(format!("{stem}-rootfs.tar"));
    fs::write(&rootfs_tar, layer).map_err(|e| RealNodeError::io(&rootfs_tar, e))?;
    let oci_archive = dir.join(format!("{stem}-oci.tar"));
    let archive = oci_layout(name, layer, entrypoint, cmd)?;
    fs::write(&oci_archive, archive).map_err(|e| RealNodeError::io(&oci_archive, e))?;
    Ok(BuiltImage {
        name,
        rootfs_tar,
        oci_archive,
        entrypoint: entrypoint.iter().map(|s| s.to_string()).collect(),
        cmd: cmd.iter().map(|s| s.to_string()).collect(),
    })
}

/// Whether an ELF file names a program interpreter (PT_INTERP), i.e. is dynamically linked.
fn has_interpreter(elf: &[u8]) -> bool {
    const PT_INTERP: u32 = 3;
    if elf.len() < 64 || &elf[..4] != b"\x7fELF" || elf[4] != 2 {
        return false;
    }
    let u16_at = |at: usize| u16::from_le_bytes([elf[at], elf[at + 1]]) as usize;
    let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
    let (entry_size, count) = (u16_at(0x36), u16_at(0x38));
    (0..count).any(|i| {
        let at = phoff + i * entry_size;
        elf.get(at..at + 4)
            .is_some_and(|t| u32::from_le_bytes(t.try_into().unwrap()) == PT_INTERP)
    })
}

fn busybox_applets(busybox: &Path) -> Result<Vec<String>, RealNodeError> {
    let output = Command::new(busybox)
        .arg("--list")
        .output()
        .map_err(|e| RealNodeError::io(busybox, e))?;
    if !output.status.success() {
        return Err(RealNodeError::Command {
            command: format!("{} --list", busybox.display()),
            detail: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::trim)
        .filter(|a| !a.is_empty() && *a != "busybox" && !a.contains('/'))
        .map(str::to_string)
        .collect())
}

/// Compiles the pause program statically (it runs in an image with no libc).
fn compile_pause(dir: &Path) -> Result<Vec<u8>, RealNodeError> {
    let source = dir.join("pause.c");
    fs::write(&source, PAUSE_SOURCE).map_err(|e| RealNodeError::io(&source, e))?;
    let binary = dir.join("pause");
    let output = Command::new("gcc")
        .args(["-static", "-Os", "-s", "-o"])
        .arg(&binary)
        .arg(&source)
        .output()
        .map_err(|e| RealNodeError::Missing(format!("gcc (to build the pause binary): {e}")))?;
    if !output.status.success() {
        return Err(RealNodeError::Command {
            command: format!("gcc -static -o {} {}", binary.display(), source.display()),
            detail: format!(
                "{} (a static link needs libc6-dev)",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    fs::read(&binary).map_err(|e| RealNodeError::io(&binary, e))
}

/// A tar builder with fixed owners and times, so that an image's digest depends on its content.
struct LayerBuilder {
    builder: tar::Builder<Vec<u8>>,
}

impl LayerBuilder {
    fn new() -> LayerBuilder {
        LayerBuilder {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_size(size);
        header
    }

    fn dir(&mut self, path: &str, mode: u32) -> Result<(), RealNodeError> {
        let mut header = Self::header(tar::EntryType::Directory, mode, 0);
        self.builder
            .append_data(&mut header, path, std::io::empty())
            .map_err(|e| RealNodeError::Build(format!("{path}: {e}")))
    }

    fn file(&mut self, path: &str, mode: u32, data: &[u8]) -> Result<(), RealNodeError> {
        let mut header = Self::header(tar::EntryType::Regular, mode, data.len() as u64);
        self.builder
            .append_data(&mut header, path, data)
            .map_err(|e| RealNodeError::Build(format!("{path}: {e}")))
    }

    fn symlink(&mut self, path: &str, target: &str) -> Result<(), RealNodeError> {
        let mut header = Self::header(tar::EntryType::Symlink, 0o777, 0);
        self.builder
            .append_link(&mut header, path, target)
            .map_err(|e| RealNodeError::Build(format!("{path}: {e}")))
    }

    fn finish(self) -> Result<Vec<u8>, RealNodeError> {
        self.builder
            .into_inner()
            .map_err(|e| RealNodeError::Build(format!("finishing a layer: {e}")))
    }
}

fn rootfs_tar(busybox: &[u8], applets: &[String]) -> Result<Vec<u8>, RealNodeError> {
    let mut layer = LayerBuilder::new();
    for dir in ["bin", "dev", "etc", "proc", "root", "run", "sys", "var"] {
        layer.dir(dir, 0o755)?;
    }
    layer.dir("tmp", 0o1777)?;
    layer.file("bin/busybox", 0o755, busybox)?;
    for applet in applets {
        layer.symlink(&format!("bin/{applet}"), "busybox")?;
    }
    layer.file("etc/passwd", 0o644, b"root:x:0:0:root:/root:/bin/sh\n")?;
    layer.file("etc/group", 0o644, b"root:x:0:\n")?;
    layer.finish()
}

fn pause_tar(pause: &[u8]) -> Result<Vec<u8>, RealNodeError> {
    let mut layer = LayerBuilder::new();
    for dir in ["dev", "etc", "proc", "sys"] {
        layer.dir(dir, 0o755)?;
    }
    layer.file("pause", 0o755, pause)?;
    layer.finish()
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An OCI image layout (oci-layout, index.json, blobs/sha256/...) in one tar, with one
/// uncompressed layer.
fn oci_layout(
    name: &str,
    layer: &[u8],
    entrypoint: &[&str],
    cmd: &[&str],
) -> Result<Vec<u8>, RealNodeError> {
    let layer_digest = sha256_hex(layer);
    let mut image_config = json!({ "Env": ["PATH=/bin"] });
    if !entrypoint.is_empty() {
        image_config["Entrypoint"] = json!(entrypoint);
    }
    if !cmd.is_empty() {
        image_config["Cmd"] = json!(cmd);
    }
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64",
        "os": "linux",
        "config": image_config,
        "rootfs": { "type": "layers", "diff_ids": [format!("sha256:{layer_digest}")] },
    }))
    .map_err(|e| RealNodeError::Build(e.to_string()))?;
    let config_digest = sha256_hex(&config);
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": format!("sha256:{config_digest}"),
            "size": config.len(),
        },
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar",
            "digest": format!("sha256:{layer_digest}"),
            "size": layer.len(),
        }],
    }))
    .map_err(|e| RealNodeError::Build(e.to_string()))?;
    let manifest_digest = sha256_hex(&manifest);
    let tag = name
        .rsplit_once(':')
        .map(|(_, tag)| tag)
        .unwrap_or("latest");
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": format!("sha256:{manifest_digest}"),
            "size": manifest.len(),
            "annotations": {
                "io.containerd.image.name": name,
                "org.opencontainers.image.ref.name": tag,
            },
        }],
    }))
    .map_err(|e| RealNodeError::Build(e.to_string()))?;

    let mut archive = LayerBuilder::new();
    archive.file("oci-layout", 0o644, br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    archive.file("index.json", 0o644, &index)?;
    archive.dir("blobs", 0o755)?;
    archive.dir("blobs/sha256", 0o755)?;
    for (digest, blob) in [
        (&layer_digest, layer),
        (&config_digest, &config[..]),
        (&manifest_digest, &manifest[..]),
    ] {
        archive.file(&format!("blobs/sha256/{digest}"), 0o644, blob)?;
    }
    archive.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_elf_with_pt_interp_is_dynamic_and_one_without_is_static() {
        // A minimal ELF64 header with one program header at 64.
        let mut elf = vec![0u8; 64 + 56];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2;
        elf[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        elf[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        elf[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes());
        elf[64..68].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        assert!(!has_interpreter(&elf));
        elf[64..68].copy_from_slice(&3u32.to_le_bytes()); // PT_INTERP
        assert!(has_interpreter(&elf));
        assert!(!has_interpreter(b"#!/bin/sh\n"));
    }

    #[test]
    fn the_oci_layout_names_the_image_and_its_blobs_by_digest() {
        let layer = pause_tar(b"binary").unwrap();
        let archive = oci_layout(PAUSE_IMAGE, &layer, &["/pause"], &[]).unwrap();
        let mut names = Vec::new();
        let mut index = String::new();
        let mut reader = tar::Archive::new(&archive[..]);
        for entry in reader.entries().unwrap() {
            let mut entry = entry.unwrap();
            let path = entry.path().unwrap().display().to_string();
            if path == "index.json" {
                std::io::Read::read_to_string(&mut entry, &mut index).unwrap();
            }
            names.push(path);
        }
        assert!(names.contains(&format!("blobs/sha256/{}", sha256_hex(&layer))));
        assert!(index.contains(r#""io.containerd.image.name":"localhost/nodesnap/pause:1""#));
        assert!(index.contains(r#""org.opencontainers.image.ref.name":"1""#));
    }
}
