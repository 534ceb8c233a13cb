# The conformance suite as an image whose entrypoint is the ec2-conformance command:
#
#   docker build -t ec2-conformance .
#   docker run --rm --network host -v "$PWD/reports:/work/reports" ec2-conformance --endpoint http://127.0.0.1:4566
#
# reports/ lands in the container's working directory /work (mount it, as above); any option
# of the README may follow the image's name.
FROM python:3.11-slim

COPY . /src
# The pinned, hash-checked dependencies of requirements.lock, then the suite itself.
RUN pip install --no-cache-dir --disable-pip-version-check --require-hashes --no-deps \
        -r /src/requirements.lock \
    && pip install --no-cache-dir --disable-pip-version-check --no-deps --no-build-isolation \
        /src \
    && rm -rf /src

WORKDIR /work
ENTRYPOINT ["ec2-conformance"]
