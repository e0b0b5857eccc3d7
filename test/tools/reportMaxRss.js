// Preloaded (`node -r`) into a child process by the preview-summary tests: at exit, writes the
// process's peak resident set size (process.resourceUsage().maxRSS, in KiB) to stderr.
process.on("exit", () => {
  process.stderr.write(`maxRSS ${process.resourceUsage().maxRSS}\n`);
});
