"""About (version, folders, licences), the log's tail (File > Show logs), and the tour again."""

from core.services import about
from core.web.api_sandbox import TOUR_SETTING
from core.web.base import BaseHandler


class AboutHandler(BaseHandler):
    async def get(self):
        facts, licences = await self.run_blocking(lambda: (about.facts(), about.licences()))
        self.render("about.html", facts=facts, licences=licences)


class LogsHandler(BaseHandler):
    async def get(self):
        path = about.log_path()
        lines = await self.run_blocking(about.log_tail, path)
        self.render("logs.html", path=str(path), lines=lines)


class TourAgainHandler(BaseHandler):
    async def get(self):
        await self.run_blocking(self.application.store.set_setting, TOUR_SETTING, False)
        self.redirect("/")


ROUTES = [
    (r"/about", AboutHandler),
    (r"/about/logs", LogsHandler),
    (r"/about/tour", TourAgainHandler),
]
