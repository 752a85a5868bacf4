import { defineConfig } from "vite";

// The shell serves ui/dist from disk: no dev server, no network.
export default defineConfig({
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  test: { environment: "jsdom", globals: true },
} as Parameters<typeof defineConfig>[0]);
