"""Training settings for runs on the tiny random llama (tests/conftest.py's tiny_model_dir)."""

# A high learning rate so a few steps show the trend.
TINY_HP = {"learning_rate": 5e-3, "max_steps": 8, "per_device_train_batch_size": 4, "max_length": 64}
