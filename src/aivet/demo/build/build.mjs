// Regenerates the generated files of the demo site (run through build.sh):
//   - site/static.demoseek-cdn.com/js/sdk.min.js: sdk.src.js obfuscated by the real
//     javascript-obfuscator with a fixed seed, so the output is reproducible;
//   - site/cdn.jsdelivr.net/npm/js-cookie@3.0.5/dist/js.cookie.min.js: the
//     unmodified js-cookie release file, as jsDelivr serves it from npm.
// The outputs are committed; this script never runs at install or test time.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import JavaScriptObfuscator from 'javascript-obfuscator';

const here = dirname(fileURLToPath(import.meta.url));
const site = join(here, '..', 'site');
const require = createRequire(import.meta.url);

// The obfuscator's "medium-obfuscation" preset, spelled out, except that every
// string goes into the string array (threshold 1, not 0.75) so that no host or
// path stays readable. Seeded: the same source and version give the same bytes.
export const OPTIONS = {
  seed: 20250129,
  target: 'browser',
  compact: true,
  simplify: true,
  identifierNamesGenerator: 'hexadecimal',
  renameGlobals: false,
  controlFlowFlattening: true,
  controlFlowFlatteningThreshold: 0.75,
  deadCodeInjection: true,
  deadCodeInjectionThreshold: 0.4,
  numbersToExpressions: true,
  splitStrings: true,
  splitStringsChunkLength: 10,
  stringArray: true,
  stringArrayThreshold: 1,
  stringArrayEncoding: ['base64'],
  stringArrayRotate: true,
  stringArrayShuffle: true,
  stringArrayIndexShift: true,
  stringArrayIndexesType: ['hexadecimal-number'],
  stringArrayCallsTransform: true,
  stringArrayCallsTransformThreshold: 0.75,
  stringArrayWrappersCount: 2,
  stringArrayWrappersChainedCalls: true,
  stringArrayWrappersParametersMaxCount: 4,
  stringArrayWrappersType: 'function',
  transformObjectKeys: true,
  unicodeEscapeSequence: false,
  selfDefending: true,
  debugProtection: false,
  disableConsoleOutput: false,
  sourceMap: false,
};

const obfuscatorVersion = JSON.parse(
  readFileSync(require.resolve('javascript-obfuscator/package.json'), 'utf8'),
).version;

const source = readFileSync(join(here, 'sdk.src.js'), 'utf8');
const obfuscated = JavaScriptObfuscator.obfuscate(source, OPTIONS).getObfuscatedCode();
const sdkOut = join(site, 'static.demoseek-cdn.com', 'js', 'sdk.min.js');
mkdirSync(dirname(sdkOut), { recursive: true });
writeFileSync(sdkOut, obfuscated + '\n');
console.log(`wrote ${sdkOut} (${obfuscated.length} bytes, javascript-obfuscator ${obfuscatorVersion})`);

const cookieOut = join(site, 'cdn.jsdelivr.net', 'npm', 'js-cookie@3.0.5', 'dist', 'js.cookie.min.js');
mkdirSync(dirname(cookieOut), { recursive: true });
// js-cookie's package "exports" hide dist/, so take the file from node_modules directly.
copyFileSync(join(here, 'node_modules', 'js-cookie', 'dist', 'js.cookie.min.js'), cookieOut);
console.log(`wrote ${cookieOut}`);
