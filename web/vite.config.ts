import { defineConfig } from 'vitest/config';

// The agent embeds build/web and serves it from memory; relative asset paths keep the page working
// behind any prefix. Tests are plain modules (no DOM), so vitest runs in node.
export default defineConfig({
  base: './',
  build: {
    outDir: '../build/web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
  // `npm run dev`: the page from Vite, the API from an agent on the default address (`make run`), or
  // the one SYSTEMSCOPE_AGENT names (http://127.0.0.1:7171).
  server: {
    proxy: { '/api': { target: process.env['SYSTEMSCOPE_AGENT'] ?? 'http://127.0.0.1:7070', changeOrigin: false } },
  },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
  },
});
