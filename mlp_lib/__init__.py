"""mlp_lib: multilayer perceptrons from scratch with NumPy, the package behind the course.

The core (everything imported here) needs only NumPy; ``mlp_lib.plots`` needs matplotlib
and ``mlp_lib.widgets`` needs ipywidgets, and are imported on their own.
"""
from .activations import (ACTIVATIONS, get_activation, identity, identity_prime, leaky_relu,
                          leaky_relu_prime, log_softmax, relu, relu_prime, sigmoid, sigmoid_prime,
                          softmax, tanh, tanh_prime)
from .clip import clip_gradients
from .data import (Standardizer, iterate_minibatches, load_breast_cancer, load_diabetes, load_digits,
                   load_table, make_blobs, make_circles, make_moons, make_regression_curve, make_spirals,
                   make_xor, one_hot, train_val_test_split)
from .gradcheck import check_model_gradients, numerical_gradient, numerical_gradient_array, rel_error
from .init import INITIALIZERS
from .layers import (activation_backward, activation_forward, affine_backward, affine_forward,
                     batchnorm_backward, batchnorm_forward, dropout_backward, dropout_forward)
from .losses import LOSSES, binary_cross_entropy, mse, softmax_cross_entropy
from .metrics import (accuracy, auc, average_precision, confusion_matrix, precision_recall, precision_recall_curve,
                      precision_recall_f1, roc_curve)
from .model import MLP
from .optim import (OPTIMIZERS, SCHEDULES, adam, adamw, constant_lr, cosine_lr, exponential_lr,
                    make_schedule, rmsprop, sgd, step_lr, warmup_lr)
from .search import lr_range_test, random_search
from .train import History, TrainingDiverged, evaluate, train

__version__ = "0.1.0"
