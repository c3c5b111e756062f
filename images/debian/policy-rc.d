#!/bin/sh
# Package installs must not try to start services inside an image build (no init there).
exit 101
