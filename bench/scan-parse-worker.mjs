// The ceiling of bench/scan.mjs: a worker process that reads each tarball it is sent (a path) as the scanner does
// and parses the files the scanner would parse, with nothing else: no analysis, no text rules. Answers each path
// with the characters parsed; exits when the channel closes.
const { DEFAULT_SCAN_LIMITS } = await import('../helper/dist/scan/index.js');
const { Collector } = await import('../helper/dist/scan/collect.js');
const { readTarball } = await import('../helper/dist/scan/tarball.js');
const { viewPackage } = await import('../helper/dist/scan/package.js');
const { parsedTexts } = await import('../helper/dist/scan/rules/code.js');
const { parseProgram } = await import('../helper/dist/scan/js/parse.js');

process.on('message', async (path) => {
  const collector = new Collector(DEFAULT_SCAN_LIMITS);
  await readTarball(path, collector);
  let chars = 0;
  for (const text of parsedTexts(viewPackage(collector.files))) {
    parseProgram(text);
    chars += text.length;
  }
  process.send(chars);
});
