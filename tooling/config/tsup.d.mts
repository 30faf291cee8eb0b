import type { Options } from "tsup"
export declare const packageBuild: (options: {
  readonly entry: Record<string, string>
}) => Options | Array<Options>
