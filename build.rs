//! Gives the build an id: a hash of everything that decides what the fetcher renders (the
//! code, templates, assets and locked dependencies). A site whose inputs and build id are
//! those of its last published generation is not rendered again (see `src/sync/inputs.rs`),
//! and a new build renders every site once.

use std::path::Path;

fn main() {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for root in ["src", "templates", "assets", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={root}");
        let mut files = vec![];
        walk(Path::new(root), &mut files);
        files.sort();
        for f in files {
            eat(f.to_string_lossy().as_bytes());
            eat(&std::fs::read(&f).unwrap_or_default());
        }
    }
    println!("cargo:rustc-env=NEWSDESK_BUILD_ID={hash:016x}");
}

fn walk(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            walk(&entry.path(), out);
        }
    } else if path.is_file() {
        out.push(path.to_path_buf());
    }
}
