#!/usr/bin/env node
require('../dist/cli-bundle/main.cjs')
