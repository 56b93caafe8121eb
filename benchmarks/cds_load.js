// Closed-loop load for benchmarks/cds_bench.py: autocannon sends `amount` CDS Hooks calls over `connections`
// keep-alive connections (each sends its next call as soon as its previous answer arrived) and this prints every
// answer's latency in milliseconds, so that the quantiles are computed from all of them, not from autocannon's
// whole-millisecond histogram. With `tokens` (a file of pre-signed client JWTs, one a line) every call carries a
// JWT of its own, as the CDS Hooks specification requires (the service refuses a token it has seen before).
//
//   node benchmarks/cds_load.js CONFIG.json   ->  {"latencies_ms": [...], "non2xx": 0, "errors": 0, ...}
'use strict'

const fs = require('fs')
const autocannon = require('autocannon')

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
const tokens = config.tokens ? fs.readFileSync(config.tokens, 'utf8').split('\n').filter(Boolean) : null
let next = 0

const request = { method: 'POST', path: config.path, body: config.body,
  headers: { 'content-type': 'application/json' } }
if (tokens) {
  request.setupRequest = (req) => {
    if (next >= tokens.length) throw new Error('more calls than signed tokens')
    return { ...req, headers: { ...req.headers, authorization: `Bearer ${tokens[next++]}` } }
  }
}

const latencies = []
const instance = autocannon({
  url: config.url,
  connections: config.connections,
  pipelining: 1,
  amount: config.amount,
  timeout: 10,
  requests: [request],
  // one card (a critical one with its suggestions) is the expected answer; anything else is a failed call
  verifyBody: (body) => body.split('"indicator"').length === 2
}, (error, result) => {
  if (error) throw error
  process.stdout.write(JSON.stringify({
    latencies_ms: latencies,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    seconds: result.duration
  }) + '\n')
})
instance.on('response', (client, statusCode, bytes, milliseconds) => { latencies.push(milliseconds) })
