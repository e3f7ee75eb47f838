FROM nginx AS web
WORKDIR /usr/share/nginx/html
WORKDIR public
COPY public .

FROM web
WORKDIR assets

FROM nginx
WORKDIR $HOME/site
