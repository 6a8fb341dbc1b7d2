# A slim image running Koshu with uvicorn against KOSHU_DATABASE_URL (PostgreSQL in production).
FROM python:3.11-slim

RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/koshu
COPY Makefile pyproject.toml alembic.ini ./
# The same Debian packages as `make system-packages`, minus the browser used only by tests.
RUN make system-packages SYSTEM_PACKAGES="libreoffice-impress-nogui fonts-noto-core fonts-noto-cjk fonts-noto-ui-core" \
    && rm -rf /var/lib/apt/lists/*
COPY app ./app
COPY migrations ./migrations
COPY courses ./courses
COPY slides ./slides
RUN make install-runtime PYTHON=python

ENV KOSHU_ENVIRONMENT=production \
    KOSHU_DATA_DIR=/var/lib/koshu \
    KOSHU_COURSES_DIR=/srv/koshu/courses \
    KOSHU_SLIDES_DIR=/srv/koshu/slides \
    KOSHU_MIGRATIONS_DIR=/srv/koshu/migrations \
    KOSHU_TRUSTED_PROXIES=""
RUN useradd --system --home /var/lib/koshu koshu && mkdir -p /var/lib/koshu \
    && chown koshu /var/lib/koshu
USER koshu
EXPOSE 8000
# KOSHU_SECRET_KEY and KOSHU_DATABASE_URL must be given at run time; the app refuses the default secret.
# Set KOSHU_TRUSTED_PROXIES to the reverse proxy's address or network (e.g. 172.18.0.0/16): only
# requests from it may name the client's address and scheme (X-Forwarded-For/-Proto), which the
# login limits and Secure cookies rely on. The app applies it itself, so uvicorn's own handling
# of those headers is turned off rather than left trusting 127.0.0.1.
CMD ["sh", "-c", "koshu migrate && uvicorn app.main:create_app --factory --host 0.0.0.0 --port 8000 --workers ${KOSHU_WEB_WORKERS:-2} --no-proxy-headers"]
