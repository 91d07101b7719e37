"""A training loop, watched live: a small numpy neural network learns two
interleaved spirals.

The window shows the loss and the accuracy (train and test) as append
series, a histogram of each layer's weights, the classifier's probability
over the plane as a heatmap, and the data. Publishing never waits for the
window, so watching costs the loop next to nothing; Ctrl-C stops it at
once and the window keeps the last plots.

    pip install ./python ./python/viewer      # once, in a virtualenv
    python examples/python/training.py
    PLOTCAST_STEPS=300 python examples/python/training.py   # 300 epochs
"""

import os

import numpy as np

import plotcast

GRID = 120  # heatmap resolution of the decision surface
LIMIT = 1.2  # the plane shown: [-LIMIT, LIMIT]^2


def spirals(n, rng, noise=0.08):
    """Two interleaved spirals, n points each: inputs (2n, 2), labels (2n,)."""
    t = np.sqrt(rng.random(n)) * 3 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * np.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(0, noise, (2 * n, 2))
    y = np.concatenate([np.zeros(n), np.ones(n)])
    return x, y


class Mlp:
    """2 -> hidden -> hidden -> 1, tanh, sigmoid output, trained with Adam."""

    def __init__(self, hidden, rng):
        sizes = [2, hidden, hidden, 1]
        self.params = []
        for a, b in zip(sizes, sizes[1:]):
            self.params += [rng.normal(0, np.sqrt(1 / a), (a, b)), np.zeros(b)]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def forward(self, x):
        acts = [x]
        for i in range(0, len(self.params) - 2, 2):
            acts.append(np.tanh(acts[-1] @ self.params[i] + self.params[i + 1]))
        logits = acts[-1] @ self.params[-2] + self.params[-1]
        return acts, 1 / (1 + np.exp(-logits[:, 0]))

    def loss(self, x, y):
        _, p = self.forward(x)
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))), float(np.mean((p > 0.5) == y))

    def step(self, x, y, lr=0.01):
        acts, p = self.forward(x)
        delta = ((p - y) / len(y))[:, None]
        grads = [None] * len(self.params)
        for i in range(len(self.params) - 2, -1, -2):
            grads[i], grads[i + 1] = acts[i // 2].T @ delta, delta.sum(axis=0)
            if i:
                delta = (delta @ self.params[i].T) * (1 - acts[i // 2] ** 2)
        self.t += 1
        for k, (p_, g) in enumerate(zip(self.params, grads)):
            self.m[k] = 0.9 * self.m[k] + 0.1 * g
            self.v[k] = 0.999 * self.v[k] + 0.001 * g * g
            m_hat = self.m[k] / (1 - 0.9**self.t)
            v_hat = self.v[k] / (1 - 0.999**self.t)
            p_ -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)


def main() -> None:
    epochs = int(os.environ.get("PLOTCAST_STEPS", "0")) or 100_000
    rng = np.random.default_rng(0)
    x_train, y_train = spirals(600, rng)
    x_test, y_test = spirals(300, rng)
    net = Mlp(32, rng)
    axis = np.linspace(-LIMIT, LIMIT, GRID)
    plane = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)  # row 0 = bottom

    with plotcast.Server(title="training (Python)", columns=3) as s:
        loss = s.series("loss", x_label="epoch", log_y=True)
        accuracy = s.series("accuracy", x_label="epoch", y_range=(0.4, 1.0))
        weights = s.bars("weights", title="weight histogram", x_label="weight", y_label="density")
        surface = s.heatmap("p(class 1)", colormap="coolwarm", y_range=(0.0, 1.0))
        data = s.scatter("training data")
        data.publish(
            {
                "class 0": (x_train[y_train == 0, 0], x_train[y_train == 0, 1]),
                "class 1": (x_train[y_train == 1, 0], x_train[y_train == 1, 1]),
            }
        )
        print(f"training: serving on {s.address} (Ctrl-C to stop)", flush=True)

        for epoch in range(1, epochs + 1):
            order = rng.permutation(len(x_train))
            for batch in np.array_split(order, 10):
                net.step(x_train[batch], y_train[batch])
            train_loss, train_acc = net.loss(x_train, y_train)
            test_loss, test_acc = net.loss(x_test, y_test)
            loss.push(epoch, train=train_loss, test=test_loss)
            accuracy.push(epoch, train=train_acc, test=test_acc)
            if epoch % 5 == 0:
                # Densities, so that layers of different sizes compare.
                edges = np.linspace(-3, 3, 61)
                layers = net.params[0::2]
                weights.publish(
                    {f"layer {k + 1}": np.histogram(w, edges, density=True) for k, w in enumerate(layers)}
                )
                surface.publish(net.forward(plane)[1].reshape(GRID, GRID))


if __name__ == "__main__":
    main()
