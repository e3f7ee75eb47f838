COPY app /app
INCLUDE --from=shared env.bf
