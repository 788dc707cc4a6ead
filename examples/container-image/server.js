require('node:http').createServer((_, res) => res.end('hello from an attested image\n')).listen(8080);
