"""Logging filters that settings.LOGGING names."""

import logging


class ChannelLayerDropsAreErrors(logging.Filter):
    """channels-redis's list layer logs the group messages it drops over capacity at INFO only:
    a lost live update is an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "over capacity" in str(record.msg):
            record.levelno, record.levelname = logging.ERROR, "ERROR"
        return True
