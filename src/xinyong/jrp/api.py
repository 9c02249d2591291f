"""The API of joint reward and punishment: the sub-packages' routers under /api/jrp/."""

from ninja import Router

from xinyong.jrp.channels.api import router as channels_router
from xinyong.jrp.check.api import router as check_router
from xinyong.jrp.feedback.api import router as feedback_router
from xinyong.jrp.measures.api import router as measures_router

router = Router()
router.add_router("/check/", check_router)
router.add_router("/measures/", measures_router)
router.add_router("/channels/", channels_router)
router.add_router("/feedback/", feedback_router)
