"""Bind a training function to `train.*` keys and override them with -D on the command line.

    python examples/train.py -D train.lr=5e-4 -D train.batch_size=64
"""

import argparse

import hyperparameter as hp


@hp.param("train")
def train(lr=1e-3, batch_size=32, warmup_steps=500):
    print(f"lr={lr}, batch_size={batch_size}, warmup={warmup_steps}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-D", "--define", nargs="*", default=[], action="extend",
                        metavar="KEY=VALUE", help="override a parameter")
    args = parser.parse_args()
    with hp.scope(*args.define):
        train()
