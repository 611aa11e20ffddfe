"""A two-minute tour: defaults, a scope, @hp.param, a -D override and a thread.

    python examples/demo.py -D train.lr=5e-4
"""

import argparse
import threading

import hyperparameter as hp


@hp.param("train")
def train(lr=1e-3, batch_size=32):
    return f"lr={lr}, batch_size={batch_size}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-D", "--define", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()

    print("default read:      ", hp.scope.train.lr | 1e-3)
    with hp.scope(**{"train.batch_size": 64}):
        print("inside a scope:    ", train())
    print("after the scope:   ", train())

    with hp.scope(*args.define):
        print("with -D overrides: ", train())
        seen = []
        worker = threading.Thread(target=lambda: seen.append(train()))
        worker.start()
        worker.join()
        print("a new thread:      ", seen[0], "(threads start from the baseline)")
        hp.frozen()  # publish the overrides process-wide
        worker = threading.Thread(target=lambda: seen.append(train()))
        worker.start()
        worker.join()
        print("after hp.frozen(): ", seen[1])


if __name__ == "__main__":
    main()
