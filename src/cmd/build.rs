//! `rustbuild build [PATH] [options]`: build on a BuildKit or Docker daemon with the frontend
//! in this process, with `docker buildx build`'s flags.

use std::process::ExitCode;

use rustbuild::client::{BuildArgs, ProgressModeError};

use super::scope::{Arg, ArgReader};

const USAGE: &str = "\
usage: rustbuild build [PATH] [options]

Builds the Buildfile in PATH (default: the current directory) on a BuildKit daemon, with the
frontend in this process: no frontend image, so it works on any daemon, Windows ones too.

  -f, --file FILE            the Buildfile (default: PATH/Buildfile, else PATH/Dockerfile)
  --target T                 the stage to build instead of the last one
  --platform P[,P...]        the target platforms (repeatable)
  --build-arg K=V            a build argument; `K` alone takes it from the environment
  --label K=V                a label for the image (repeatable)
  --build-context NAME=DIR   a named context: a directory, or docker-image://REF, target:STAGE
  --secret id=ID,src=FILE    a secret for RUN --mount=type=secret (also id=ID,env=VAR)
  --no-cache                 build every step again
  -o, --output SPEC          type=local,dest=DIR | type=tar,dest=FILE | type=oci,dest=FILE |
                             type=docker,dest=FILE | type=image,name=NAME[,push=true]
  -t, --tag NAME             name the image (in the Docker daemon's store, or with type=image)
  --progress MODE            auto, plain or tty (default: auto)
  --addr URL                 the daemon: unix:///PATH, tcp://HOST:PORT or npipe:////./pipe/NAME
  --debug                    also print the frontend's log lines and the exporter's response

Without --addr: BUILDKIT_HOST, else the Docker daemon (DOCKER_HOST or its default socket),
whose store gets the image, as with `docker build`.";

pub(crate) fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        super::print_out(USAGE);
        return ExitCode::SUCCESS;
    }
    match parse_args(args) {
        Ok(args) => ExitCode::from(rustbuild::client::run(args)),
        Err(message) => super::usage_error(&format!("rustbuild build: {message}\n\n{USAGE}")),
    }
}

fn parse_args(args: &[String]) -> Result<BuildArgs, String> {
    let mut parsed = BuildArgs::default();
    let mut context = None;
    let mut args = ArgReader::new(args);
    while let Some(arg) = args.next() {
        let flag = arg.flag;
        if !flag.starts_with('-') || flag == "-" {
            if context.replace(arg.text.into()).is_some() {
                return Err(format!("unexpected argument `{}`", arg.text));
            }
            continue;
        }
        match flag {
            "--no-cache" => parsed.no_cache = true,
            "--debug" => parsed.debug = true,
            _ => take(&mut parsed, &arg, &mut args)?,
        }
    }
    parsed.context = context.unwrap_or_else(|| ".".into());
    Ok(parsed)
}

/// A flag with a value; the value is read only for a known flag, so that an unknown one is
/// named as such.
fn take(parsed: &mut BuildArgs, arg: &Arg<'_>, args: &mut ArgReader<'_>) -> Result<(), String> {
    let mut value = || args.value(arg);
    match arg.flag {
        "-f" | "--file" => parsed.file = Some(value()?.into()),
        "--target" => parsed.target = Some(value()?),
        "--platform" => parsed
            .platforms
            .extend(value()?.split(',').map(str::to_string)),
        "--build-arg" => parsed.build_args.push(build_arg(&value()?)),
        "--label" => parsed.labels.push(pair(&value()?, "--label", "KEY=VALUE")?),
        "--build-context" => parsed
            .contexts
            .push(pair(&value()?, "--build-context", "NAME=DIR")?),
        "--secret" => parsed.secrets.push(value()?),
        "-o" | "--output" => parsed.outputs.push(value()?),
        "-t" | "--tag" => parsed.tags.push(value()?),
        "--progress" => {
            parsed.progress = value()?
                .parse()
                .map_err(|e: ProgressModeError| e.to_string())?;
        }
        "--addr" => parsed.addr = Some(value()?),
        other => return Err(format!("unknown option `{other}`")),
    }
    Ok(())
}

/// `K=V`, or `K` alone for the value of the environment variable `K` (dropped when unset,
/// as docker does).
fn build_arg(value: &str) -> (String, String) {
    match value.split_once('=') {
        Some((key, value)) => (key.to_string(), value.to_string()),
        None => (value.to_string(), std::env::var(value).unwrap_or_default()),
    }
}

fn pair(value: &str, flag: &str, form: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("{flag} `{value}` is not {form}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustbuild::client::ProgressMode;

    fn parse(args: &[&str]) -> Result<BuildArgs, String> {
        parse_args(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn flags_mean_what_buildx_gives_them() {
        let args = parse(&[
            "ctx",
            "-f",
            "ctx/app.bf",
            "--target=test",
            "--platform",
            "linux/amd64,linux/arm64",
            "--build-arg",
            "A=1",
            "--label",
            "l=x",
            "--build-context",
            "lib=../lib",
            "--secret",
            "id=t,src=t.txt",
            "-o",
            "type=local,dest=out",
            "-t",
            "app:1",
            "--no-cache",
            "--progress=plain",
            "--addr",
            "unix:///b.sock",
        ])
        .unwrap();
        assert_eq!(args.context, std::path::PathBuf::from("ctx"));
        assert_eq!(args.file, Some("ctx/app.bf".into()));
        assert_eq!(args.target.as_deref(), Some("test"));
        assert_eq!(args.platforms, ["linux/amd64", "linux/arm64"]);
        assert_eq!(args.build_args, [("A".to_string(), "1".to_string())]);
        assert_eq!(args.contexts, [("lib".to_string(), "../lib".to_string())]);
        assert_eq!(args.secrets, ["id=t,src=t.txt"]);
        assert_eq!(args.outputs, ["type=local,dest=out"]);
        assert_eq!(args.tags, ["app:1"]);
        assert!(args.no_cache);
        assert_eq!(args.progress, ProgressMode::Plain);
        assert_eq!(args.addr.as_deref(), Some("unix:///b.sock"));
    }

    #[test]
    fn the_context_defaults_to_here() {
        assert_eq!(parse(&[]).unwrap().context, std::path::PathBuf::from("."));
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        for (args, needle) in [
            (&["a", "b"][..], "unexpected argument `b`"),
            (&["--frobnicate"][..], "unknown option `--frobnicate`"),
            (&["-t"][..], "-t needs a value"),
            (&["--label", "x"][..], "--label `x` is not KEY=VALUE"),
            (&["--progress", "fancy"][..], "fancy"),
        ] {
            let err = parse(args).unwrap_err();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }
}
