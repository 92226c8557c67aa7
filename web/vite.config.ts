import { defineConfig } from 'vitest/config';

// React's JSX goes through the bundler's own transformer (automatic runtime), so no plugin.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    rolldownOptions: {
      onwarn(warning, warn) {
        // react-router marks modules "use client" (a server-components hint that means nothing here).
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: process.env.WAYFARE_URL ? { '/api': process.env.WAYFARE_URL, '/openapi.json': process.env.WAYFARE_URL } : undefined,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
});
