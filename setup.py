"""Packaging for AgentNet.

Besides the ``agentnet`` package this installs ``agentnet_compat`` (what
Theano 1.0 and Lasagne 0.1 need to work together) and the start-up file
``agentnet-import-hook.pth`` that registers its import hook (see
``agentnet_compat/__init__.py``). setuptools leaves plain
``.pth`` files out of wheels and editable installs, so ``build_py`` is
extended to place it next to the packages in both cases.
"""
import os
import re

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
STARTUP_FILE = "agentnet-import-hook.pth"


def read_version():
    with open(os.path.join(HERE, "agentnet", "__init__.py")) as source:
        match = re.search(r"^__version__ = ['\"]([^'\"]+)['\"]", source.read(), re.M)
    version = match.group(1)
    assert version.startswith("0."), version
    return version


class BuildPyWithStartupFile(build_py):
    """``build_py`` that also ships the start-up ``.pth`` file."""

    def run(self):
        super().run()
        self.copy_file(os.path.join(HERE, STARTUP_FILE),
                       os.path.join(self._startup_dir(), STARTUP_FILE))

    def _startup_dir(self):
        # An editable wheel is assembled from the install directory, not from
        # build_lib, so the file has to go there to reach site-packages.
        if getattr(self, "editable_mode", False):
            return self.get_finalized_command("install").install_lib
        return self.build_lib

    def get_outputs(self, include_bytecode=1):
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        return outputs + [os.path.join(self.build_lib, STARTUP_FILE)]


#: ``pip install agentnet[atari]`` etc.; pins match requirements-dev.txt, which ``make`` uses.
GYM = ["gymnasium>=1.4,<1.5"]
ATARI = GYM + ["ale-py>=0.12,<0.13", "opencv-python-headless==4.11.0.86"]
NOTEBOOKS = ["nbclient>=0.10,<1", "ipykernel>=6.29,<8", "tqdm>=4.66,<5", "matplotlib>=3.7,<3.11"]
RAY = ["ray[tune]>=2.60,<2.61"]
EXTRAS = {"gym": GYM, "atari": ATARI, "notebooks": NOTEBOOKS, "ray": RAY,
          "all": sorted(set(ATARI + NOTEBOOKS + RAY))}

with open(os.path.join(HERE, "README.md")) as readme:
    LONG_DESCRIPTION = readme.read()

setup(
    name="agentnet",
    version=read_version(),
    description="Deep reinforcement learning on Theano and Lasagne: "
                "draw one tick of an agent, get sessions, replay and learning.",
    long_description=LONG_DESCRIPTION,
    long_description_content_type="text/markdown",
    author="AgentNet contributors",
    license="MIT",
    packages=find_packages(include=["agentnet", "agentnet.*", "agentnet_compat",
                                    "agentnet_compat.*"]),
    cmdclass={"build_py": BuildPyWithStartupFile},
    python_requires=">=3.8,<3.11",
    install_requires=[
        "theano==1.0.5",
        "numpy>=1.21,<1.24",
        "Lasagne==0.1",
        "six",
        "setuptools<82",
    ],
    extras_require=EXTRAS,
    classifiers=[
        "License :: OSI Approved :: MIT License",
        "Programming Language :: Python :: 3.10",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
