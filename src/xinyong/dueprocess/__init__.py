"""Due process (异议、信用修复、信用承诺、告知): subject accounts and the case workflows, with working-day deadlines
from jurisdiction profiles (docs/due-process.md)."""
