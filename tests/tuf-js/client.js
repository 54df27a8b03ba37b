// The independent TUF client of tests/index*.t: tuf-js's Updater, trusting only the root.json
// already in METADIR, refreshes from the repository served at BASE and downloads one target.
// Usage: node client.js BASE METADIR TARGETDIR TARGET_PATH
// Prints "ok: PATH LENGTH SHA256" and exits 0, or "refused: ERROR" on one line and exits 1.
'use strict';
const { Updater } = require('tuf-js');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

async function main() {
  const [base, metadataDir, targetDir, target] = process.argv.slice(2);
  const updater = new Updater({
    metadataBaseUrl: `${base}/metadata`,
    targetBaseUrl: `${base}/targets`,
    metadataDir,
    targetDir,
    config: { fetchRetry: 0, fetchTimeout: 20000 },
  });
  await updater.refresh();
  const info = await updater.getTargetInfo(target);
  if (!info) throw new Error(`no target ${target} in the index`);
  const file = path.join(targetDir, path.basename(target));
  await updater.downloadTarget(info, file);
  const data = fs.readFileSync(file);
  const sha = crypto.createHash('sha256').update(data).digest('hex');
  console.log(`ok: ${target} ${data.length} ${sha}`);
}

main().catch((e) => {
  const msg = `${e.name || 'Error'}: ${e.message || e}`.replace(/\s+/g, ' ');
  console.log(`refused: ${msg}`);
  process.exit(1);
});
