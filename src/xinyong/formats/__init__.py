"""Display formats of the platform (``FORMAT_MODULE_PATH``): one date style and one number style everywhere."""
