# AgentNet in a container, for machines without a Python 3.10 (Theano 1.0.5's scan needs <= 3.10).
#   docker build -t agentnet .
#   docker run --rm agentnet              # the CartPole demo (make demo)
#   docker run --rm agentnet make test    # tests, notebooks and docs
# Mount a volume on /root/.cache/agentnet to keep Theano's compile cache between runs.
FROM python:3.10-slim

# g++ compiles Theano's C code; OpenBLAS is the BLAS Theano links; git for setuptools' file list.
RUN apt-get update \
    && apt-get install -y --no-install-recommends g++ make git libopenblas-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /agentnet
COPY . .
ENV PYTHON=/usr/local/bin/python3.10 AGENTNET_NO_APT=1
RUN make install
CMD ["make", "demo"]
