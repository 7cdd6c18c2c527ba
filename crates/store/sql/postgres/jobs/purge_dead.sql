DELETE FROM jobs WHERE state = 'dead'
