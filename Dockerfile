# The Segments API for a ClickHouse server (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci runs the prepare script, which builds the UI from ui/ (self-contained).
COPY ui ./ui
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV HOST=0.0.0.0 PORT=3000 NODE_ENV=production
EXPOSE 3000
CMD ["node", "bin/segments.js", "serve"]
