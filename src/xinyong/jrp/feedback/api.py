from ninja import Router

router = Router(tags=["联合奖惩"])
