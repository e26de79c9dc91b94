"""The front-end demo: a plain HTML + JavaScript page that walks the flow a real front end
follows, an Oz Web SDK stand-in, and a stand-in customer server, served by ``make local``."""

from demo_page.server import DemoPage

__all__ = ["DemoPage"]
