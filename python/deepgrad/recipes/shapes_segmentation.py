"""shapes-segmentation: a small U-Net segmenting generated circles, squares and triangles pixel by pixel; bar: mean
IoU >= 0.80 on held-out images. Writes the checkpoint, learning curves and input / true / predicted mask examples."""
import os

import numpy as np

from .. import datasets, random
from ..datasets.shapes import CLASSES
from ..models import UNet
from ..training.plots import confusion_matrix, save_segmentation_examples
from .common import add_common_arguments, make_loaders, make_optimizer, positive_int
from .digits_cnn import fit_and_save, predict


def add_arguments(parser):
    add_common_arguments(parser, epochs=15, batch_size=32, lr=3e-3, optimizer="adam", out="runs/shapes-segmentation")
    parser.add_argument("--train-size", type=positive_int, default=1000, help="training images (default 1000)")
    parser.add_argument("--val-size", type=positive_int, default=200, help="validation images (default 200)")
    parser.add_argument("--test-size", type=positive_int, default=400, help="held-out test images (default 400)")
    parser.add_argument("--size", type=positive_int, default=32, help="image side in pixels (default 32)")
    parser.add_argument("--base", type=positive_int, default=16, help="channels of the first U-Net level (default 16)")
    parser.add_argument("--depth", type=positive_int, default=2, help="U-Net levels (default 2)")
    parser.add_argument("--up", choices=["transpose", "bilinear"], default="transpose",
                        help="up-sampling: ConvTranspose2d or bilinear Upsample + conv (default transpose)")
    parser.add_argument("--patience", type=int, default=4, help="early-stopping patience in epochs (default 4)")
    parser.add_argument("--examples", type=positive_int, default=4, help="test images in the examples PNG (default 4)")


def iou_per_class(matrix):
    """Intersection over union of each class from a confusion matrix: tp / (tp + fp + fn); nan when a class is
    neither present nor predicted."""
    tp = np.diag(matrix).astype(np.float64)
    union = matrix.sum(0) + matrix.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / union, np.nan)


def run(args, log=print):
    random.manual_seed(args.seed)
    # three generator seeds derived from --seed, so the splits never share images
    train, val, test = (datasets.shapes_segmentation(n, args.size, seed=args.seed * 3 + k)
                        for k, n in enumerate((args.train_size, args.val_size, args.test_size)))
    train_loader, val_loader, test_loader = make_loaders(train, val, test, args.batch_size, args.seed)
    model = UNet(3, len(CLASSES), base=args.base, depth=args.depth, up=args.up)
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr)
    log(f"shapes-segmentation: {len(train)} train / {len(val)} val / {len(test)} test images "
        f"({args.size}x{args.size}), "
        f"U-Net base {args.base} depth {args.depth} up {args.up} ({sum(p.numel() for p in model.parameters())} "
        f"parameters), {args.optimizer} lr {args.lr}, batch size {args.batch_size}")
    history, seconds, out, checkpoint = fit_and_save(args, model, optimizer, train_loader, val_loader,
                                                     "shapes-segmentation (accuracy: pixel accuracy)", log)
    predicted, masks = predict(model, test_loader)
    k = min(args.examples, len(test))
    images = test[:k][0].numpy()
    save_segmentation_examples(images, masks[:k], predicted[:k], os.path.join(out, "segmentation_examples.png"),
                               class_names=CLASSES, title="shapes-segmentation: test images", log=log)
    iou = iou_per_class(confusion_matrix(masks, predicted, len(CLASSES)))
    pixel_accuracy = float(np.mean(predicted == masks))
    mean_iou = float(np.nanmean(iou))
    log(f"best epoch {history['best_epoch']} of {history['epochs']} ({seconds:.1f}s of training); wrote {checkpoint} "
        f"and plots in {out}")
    log("IoU per class: " + ", ".join(f"{name} {v:.4f}" for name, v in zip(CLASSES, iou)))
    log(f"pixel accuracy: {pixel_accuracy:.4f}")
    log(f"mean IoU: {mean_iou:.4f}")
    return {"pixel accuracy": pixel_accuracy, "mean IoU": mean_iou, "IoU": iou.tolist(),
            "best epoch": history["best_epoch"], "seconds": seconds}
