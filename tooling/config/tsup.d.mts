import type { Options } from "tsup"
export declare const packageBuild: (options: {
  readonly entry: Record<string, string>
  readonly splitting?: boolean
  readonly noExternal?: Array<string | RegExp>
}) => Options | Array<Options>
