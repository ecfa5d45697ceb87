//! The examples printed after `simec --help` and `simec <command> --help`.

/// After `simec --help`.
pub const MAIN_EXAMPLES: &str = "\
Examples:
  # Fit a SimEc with a 10-d embedding: the targets S hold the similarities of every row of X
  # to n target points (m x n); with --s-ll-reg the first n rows of S are S_ll.
  simec fit --features X.csv --targets S.csv --embedding-dim 10 --hidden 200:tanh,100:tanh \\
      --s-ll-reg 0.5 --validation-fraction 0.1 --out model/

  # Embed new points, predict their similarities to the n targets, inspect the model.
  simec transform --model model/ --features X_new.csv --out Y_new.csv
  simec predict   --model model/ --features X_new.npy --out S_hat.npy
  simec info      --model model/

  # Score an embedding: MSE of Y Y^T against a similarity matrix.
  simec evaluate --embedding Y_new.csv --similarity S_new.csv

Files: CSV/TSV/whitespace text or NumPy .npy (float32 or float64). A text file's first row is a
header when none of its cells is a number (reported on stderr; --header / --no-header decide
instead). Outputs: .npy -> float32 NPY, anything else -> CSV.";

/// After `simec fit --help`.
pub const FIT_EXAMPLES: &str = "\
Examples:
  # Linear SimEc (no hidden layer), 2-d embedding of a square similarity matrix S (m x m):
  simec fit --features X.csv --targets S.csv --embedding-dim 2 --s-ll-reg 1 --out model/

  # Two tanh hidden layers, 10% of the rows held out (MSE printed per epoch), Adam:
  simec fit --features X.npy --targets S.npy --embedding-dim 10 --hidden 200:tanh,100:tanh \\
      --s-ll-reg 0.5 --validation-fraction 0.1 --optimizer adam --lr 0.001 --epochs 50 --out model/

  # Trained like the PyTorch SimEc (simec_torch.py): Adam, weight decay, the best epoch kept,
  # the rate lowered on a plateau, orth_reg from the second third of the epochs on:
  simec fit --features X.csv --targets S.csv --embedding-dim 10 --optimizer adam --lr 0.0005 \\
      --weight-decay 1e-5 --restore-best train_loss --lr-schedule plateau --orth-reg 0.1 \\
      --orth-reg-start 0.34 --out model/

  # Binary relations in {0, 1} (missing ones as empty cells), cross-entropy on a sigmoid output:
  simec fit --features X.csv --targets R.csv --embedding-dim 8 --loss bce --allow-missing --out m/

  # Rectangular relations R (m1 x m2) between two kinds of objects (paper section 2.2):
  simec fit --features X1.csv --targets R.csv --embedding-dim 5 --out m1/ --embed-out Y1.csv
  simec fit --features X2.csv --targets R.csv --transpose-targets --embedding-dim 5 \\
      --frozen-last-layer Y1.csv --out m2/
  # then f1(x1) . f2(x2) predicts R for new pairs (simec transform with m1/ and m2/).

The targets are m x n (k x n columns with --slices k): the similarities of each of the m rows of
the features to n target points. --s-ll-reg uses the first n rows of the targets as S_ll (the
targets' similarities among themselves), so list the target points first, or pass --s-ll.";

/// After `simec transform --help`.
pub const TRANSFORM_EXAMPLES: &str = "\
Examples:
  simec transform --model model/ --features X_new.csv --out Y_new.csv
  simec transform --model model/ --features X_new.npy --out Y_new.npy

The features are centered with the training mean stored in the model (unless the model was fit
with --no-center-features) and must have the training's number of columns.";

/// After `simec predict --help`.
pub const PREDICT_EXAMPLES: &str = "\
Examples:
  simec predict --model model/ --features X_new.csv --out S_hat.csv
  simec predict --model model/ --features X_new.npy --out S_hat.npy

Row i, column j of the output is the predicted similarity of point i to target point j
(k blocks of n columns with --slices k).";

/// After `simec info --help`.
pub const INFO_EXAMPLES: &str = "\
Examples:
  simec info --model model/
  simec info --model model/ --log     # every epoch of the training log";

/// After `simec evaluate --help`.
pub const EVALUATE_EXAMPLES: &str = "\
Examples:
  # MSE of Y Y^T against S (S square, m x m; NaN / empty = missing):
  simec evaluate --embedding Y_test.csv --similarity S_test.csv
  # Two embeddings (rectangular relations): MSE of Y1 Y2^T against R (m1 x m2):
  simec evaluate --embedding Y1.csv --embedding-2 Y2.csv --similarity R.csv
  # A model's predictions against known targets:
  simec evaluate --model model/ --features X_test.csv --targets S_test_vs_targets.csv";
