from ninja import Router

router = Router(tags=["红黑名单"])
router.add_router("/ftm/", "xinyong.lists.interop.api.router")  # FollowTheMoney export
