RUN ok
COPY --chmod=999 a /b
RUNN typo
