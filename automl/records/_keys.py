"""Names of what AutoML Studio writes into Optuna; read them only through automl.records.

A trial's outcome is one user attribute holding a dict (one storage write instead of
eight: the per-trial overhead matters at hundreds of trials on SQLite).
"""

# Trial user attributes.
TRIAL_RESULT = "automl_result"  # dict with the keys below
TRIAL_WORKER = "worker"  # "host:pid" of the process that ran the trial

# Keys inside TRIAL_RESULT.
FAMILY = "family"
FOLD_SCORES = "fold_scores"
SCORE_MEAN = "score_mean"
SCORE_STD = "score_std"
FIT_SECONDS = "fit_seconds"  # total over folds
PREDICT_SECONDS = "predict_seconds"  # total over folds
PREP_SECONDS = "prep_seconds"  # fitting the preprocessing, total over folds (cached across trials)
DURATION_SECONDS = "duration_seconds"
ERROR_TYPE = "error_type"
ERROR_MESSAGE = "error_message"
REASON = "reason"  # why a trial was pruned, stopped or not started
TRAIN_FRACTION = "train_fraction"  # share of each fold's training rows it was fit on (< 1)
MEMBERS = "members"  # ensemble: [{"trial", "family", "weight"}]
TEMPERATURE = "temperature"  # ensemble: probabilities rescaled by this temperature (log loss)

# Study user attributes.
STUDY_CONFIG = "automl_config"
STUDY_CREATED = "automl_created_at"  # ISO time, for listing studies newest first
STUDY_TASK = "automl_task"
STUDY_DATASET = "automl_dataset"  # {"source", "sha256", "n_rows", "n_cols"}
STUDY_FEATURES = "automl_features"
STUDY_VERSIONS = "automl_versions"
STUDY_CV = "automl_cv"  # {"kind": "kfold"|"holdout", "n_splits": k, "rows": n}
