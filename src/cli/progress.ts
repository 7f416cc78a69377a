import pc from "picocolors";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Progress on stderr: one live, rewritten line with a spinner and timer on a
 * TTY; plain timestamped lines otherwise (CI logs, pipes).
 */
export function progressReporter<Stage extends string>(stream: NodeJS.WriteStream) {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  let current = "";
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    stream.write(`\r\x1b[2K${pc.cyan(FRAMES[frame++ % FRAMES.length]!)} ${current} ${pc.dim(elapsed())}`);
  };
  return {
    update: (stage: Stage, detail: string) => {
      current = `${stage}: ${detail}`;
      if (!stream.isTTY) {
        stream.write(`[${elapsed()}] ${current}\n`);
        return;
      }
      timer ??= setInterval(draw, 80);
      draw();
    },
    done: () => {
      if (timer) clearInterval(timer);
      if (stream.isTTY && current) stream.write("\r\x1b[2K");
    },
  };
}
