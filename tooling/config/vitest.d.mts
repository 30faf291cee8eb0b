import type { UserConfig } from "vitest/config"
export declare const packageTest: (options?: { readonly testTimeout?: number }) => UserConfig
