//! A shell-like pipeline of child processes: `cmd1 | cmd2 | ...`, the output of the last one read
//! by this program line by line.
//!
//! ```text
//! cargo run --example pipeline                                   # ls -l /usr/bin | sort -k5 -n | tail -5
//! cargo run --example pipeline -- 'seq 1000000' 'grep 7' 'wc -l'  # any commands, one per argument
//! ```
//!
//! Each stage is spawned with its stdin connected to the previous stage's stdout: the OS moves the
//! bytes between children, this program only reads the last stage. Ctrl-C stops the pipeline (the
//! children are killed and reaped: `kill_on_drop`). The exit status of every stage is printed, as
//! `set -o pipefail` would judge it.

use std::process::ExitStatus;

use weft::io::{AsyncBufReadExt, BufReader};
use weft::process::{Child, Command, Stdio};
use weft::stream::StreamExt;

/// Spawns the stages, each reading the previous one's output; the last one's stdout is piped to us.
fn spawn_pipeline(stages: &[String]) -> std::io::Result<Vec<Child>> {
    let mut children: Vec<Child> = Vec::new();
    for (i, stage) in stages.iter().enumerate() {
        let mut words = stage.split_whitespace();
        let program = words
            .next()
            .ok_or_else(|| std::io::Error::other(format!("stage {} is empty", i + 1)))?;
        let mut command = Command::new(program);
        command
            .args(words)
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        if let Some(previous) = children.last_mut() {
            let pipe = previous
                .stdout
                .take()
                .expect("every stage's stdout is piped");
            command.stdin(Stdio::try_from(pipe)?);
        }
        let child = command
            .spawn()
            .map_err(|e| std::io::Error::new(e.kind(), format!("`{program}`: {e}")))?;
        children.push(child);
    }
    Ok(children)
}

/// Reads the last stage's output to its end, printing each line; returns how many there were.
async fn print_output(last: &mut Child) -> std::io::Result<usize> {
    let stdout = last
        .stdout
        .take()
        .expect("the last stage's stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let mut count = 0;
    while let Some(line) = lines.next().await {
        println!("{}", line?);
        count += 1;
    }
    Ok(count)
}

async fn run(stages: Vec<String>) -> std::io::Result<()> {
    println!("$ {}", stages.join(" | "));
    let mut children = spawn_pipeline(&stages)?;
    let last = children.last_mut().expect("at least one stage");
    let count = weft::select! {
        count = print_output(last) => count?,
        stop = weft::signal::ctrl_c() => {
            stop?;
            println!("\nCtrl-C: stopping the pipeline");
            return Ok(()); // dropping the children kills and reaps them
        }
    };
    let mut statuses: Vec<ExitStatus> = Vec::new();
    for child in &mut children {
        statuses.push(child.wait().await?);
    }
    println!("--- {count} line(s)");
    for (stage, status) in stages.iter().zip(&statuses) {
        println!("{:>24}  {stage}", status.to_string());
    }
    match statuses.iter().rposition(|s| !s.success()) {
        None => Ok(()),
        Some(i) => Err(std::io::Error::other(format!(
            "stage {} failed: {}",
            i + 1,
            statuses[i]
        ))),
    }
}

fn main() {
    let mut stages: Vec<String> = std::env::args().skip(1).collect();
    if stages.is_empty() {
        stages = ["ls -l /usr/bin", "sort -k5 -n", "tail -5"]
            .map(String::from)
            .to_vec();
    }
    if let Err(e) = weft::run(run(stages)) {
        eprintln!("pipeline: {e}");
        std::process::exit(1);
    }
}
