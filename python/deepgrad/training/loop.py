"""A small training loop for classifiers: fit_classifier (epochs of train + validation) and evaluate."""
import sys
import time

from tqdm import tqdm

from ..autograd.grad_mode import no_grad
from ..nn import functional as F


def _batch_stats(logits, target, loss):
    """(summed loss, number of correct predictions, number of targets) of one batch; with per-pixel targets
    (N, H, W) the accuracy is the pixel accuracy."""
    n = target.numel()
    correct = int((logits.detach().argmax(dim=1) == target).sum().item())
    return loss.item() * n, correct, n


def evaluate(model, loader, loss_fn=F.cross_entropy):
    """Mean loss and accuracy of `model` over `loader`, in eval mode and without building a graph:
    {'loss': ..., 'acc': ...}. The model's train/eval mode is restored afterwards."""
    was_training = model.training
    model.eval()
    total = correct = count = 0
    with no_grad():
        for x, y in loader:
            logits = model(x)
            s, c, n = _batch_stats(logits, y, loss_fn(logits, y))
            total, correct, count = total + s, correct + c, count + n
    model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: the loader gave no samples")
    return {"loss": total / count, "acc": correct / count}


def _progress_enabled(progress):
    return progress and sys.stderr.isatty()


def train_epoch(model, optimizer, loader, loss_fn=F.cross_entropy, progress=True, desc=None, clip_grad_norm=None):
    """One pass over `loader` with an optimizer step per batch; returns {'loss': ..., 'acc': ...} over the epoch."""
    model.train()
    total = correct = count = 0
    params = [p for g in optimizer.param_groups for p in g["params"]] if clip_grad_norm else None
    with tqdm(total=len(loader), desc=desc, leave=False, disable=not _progress_enabled(progress),
              file=sys.stderr, dynamic_ncols=True) as bar:
        for x, y in loader:
            optimizer.zero_grad()
            logits = model(x)
            loss = loss_fn(logits, y)
            loss.backward()
            if clip_grad_norm:
                from ..nn.utils import clip_grad_norm_
                clip_grad_norm_(params, clip_grad_norm)
            optimizer.step()
            s, c, n = _batch_stats(logits, y, loss)
            total, correct, count = total + s, correct + c, count + n
            bar.update(1)
            bar.set_postfix(loss=f"{total / count:.4f}", refresh=False)
    return {"loss": total / count, "acc": correct / count}


def fit_classifier(model, optimizer, train_loader, val_loader, epochs, loss_fn=F.cross_entropy, early_stopping=None,
                   scheduler=None, progress=True, log=print, clip_grad_norm=None):
    """Train for up to `epochs` epochs, evaluating on `val_loader` after each and logging one line per epoch.

    early_stopping (a training.EarlyStopping) watches the validation loss; when it says stop, training ends and
    its best weights are loaded back into the model. scheduler, if given, is stepped once per epoch
    (ReduceLROnPlateau gets the validation loss). Returns the history: lists train_loss, train_acc, val_loss,
    val_acc (one entry per epoch run), plus epochs (how many ran) and best_epoch (1-based, lowest val loss).
    """
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    width = len(str(epochs))
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        train = train_epoch(model, optimizer, train_loader, loss_fn, progress, f"epoch {epoch}/{epochs}",
                            clip_grad_norm)
        val = evaluate(model, val_loader, loss_fn)
        for split, stats in (("train", train), ("val", val)):
            history[f"{split}_loss"].append(stats["loss"])
            history[f"{split}_acc"].append(stats["acc"])
        log(f"epoch {epoch:{width}d}/{epochs}  train loss {train['loss']:.4f} acc {train['acc']:.4f}  "
            f"val loss {val['loss']:.4f} acc {val['acc']:.4f}  ({time.perf_counter() - start:.2f}s)")
        if scheduler is not None:
            if type(scheduler).__name__ == "ReduceLROnPlateau":
                scheduler.step(val["loss"])
            else:
                scheduler.step()
        if early_stopping is not None and early_stopping.step(val["loss"], model):
            log(f"early stopping: val loss has not improved for {early_stopping.patience} epochs")
            break
    if early_stopping is not None:
        early_stopping.restore(model)
    history["epochs"] = len(history["val_loss"])
    history["best_epoch"] = 1 + min(range(history["epochs"]), key=history["val_loss"].__getitem__)
    return history
