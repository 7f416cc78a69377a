const http = require('http')
const port = process.env.PORT ?? 3000

const routes = {
  'GET /ping': (req, res) => {
    res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({ status: 'Healthy', time_of_last_update: Math.floor(Date.now() / 1000) }))
  },
  'POST /invocations': (req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const input = JSON.parse(Buffer.concat(chunks).toString() || '{}')
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify({ reply: `got "${input.prompt}"` }))
    })
  }
}

const app = http.createServer((req, res) => {
  const handler = routes[`${req.method} ${req.url}`]
  if (!handler) {
    res.statusCode = 404
    return res.end('Not Found')
  }
  handler(req, res)
})

app.listen(port, () => {
  console.log(`Example app listening on port ${port}`)
})
