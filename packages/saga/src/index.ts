/**
 * @cello/saga — reserved: this package is filled by its own issue (see the root README).
 * It builds and publishes an empty module today so the workspace layout is final.
 */
export {}
