"""The API of due process: the sub-packages' routers under /api/dueprocess/."""

from ninja import Router

from xinyong.dueprocess.commitments.api import router as commitments_router
from xinyong.dueprocess.objections.api import router as objections_router
from xinyong.dueprocess.repairs.api import router as repairs_router

router = Router()
router.add_router("/objections/", objections_router)
router.add_router("/repairs/", repairs_router)
router.add_router("/commitments/", commitments_router)
