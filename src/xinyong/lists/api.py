from ninja import Router

router = Router(tags=["红黑名单"])
