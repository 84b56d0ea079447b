import { build } from 'esbuild';
await build({ entryPoints: { prof: '.scratch-diagnose/prof.ts', cli: 'src/cli/main.ts', 'bench/diagnose': 'bench/diagnose.ts' }, outdir: '.scratch-diagnose/dist', bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning', chunkNames: 'chunks/[name]-[hash]', define: { __AGMEDIC_VERSION__: '"x"' } });
