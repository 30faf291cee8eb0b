#!/usr/bin/env node
// `cello-mysql`: the command line from the build. This file is in the repository, so a fresh clone's
// install can link the bin before anything is built (a bin pointing into dist/ cannot be linked yet).
import "../dist/cli.js"
