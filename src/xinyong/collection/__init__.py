"""数据归集: batches of uploaded or submitted records, their validation outcome and progress."""
