/// What the dashboard shows that other stages of the same run compute, handed over in memory
/// (``init(run:)``), never read from their files. Empty until the stage that
/// knows it fills it: the page then says "pas de prévision" or leaves the queue out.
package struct DashboardInput: Sendable {
    /// One day of the cash forecast: the projected bank balance at the end of that day.
    package struct ForecastDay: Sendable, Equatable {
        package var day: CivilDate
        package var balanceMinor: Int64

        package init(day: CivilDate, balanceMinor: Int64) {
            self.day = day
            self.balanceMinor = balanceMinor
        }
    }

    /// The forecast curve (forecast stage), in day order; empty = no forecast this run.
    package var forecast: [ForecastDay] = []
    /// The balance below which the forecast raises an alert (forecast stage), if any: drawn as a line.
    package var forecastThresholdMinor: Int64?
    /// The days on which each formal notice waiting in the approval queue was put there (dunning
    /// stage); nil = the dunning stage did not run, the queue is not shown.
    package var remindersAwaitingApproval: [CivilDate]?

    package init(
        forecast: [ForecastDay] = [], forecastThresholdMinor: Int64? = nil,
        remindersAwaitingApproval: [CivilDate]? = nil
    ) {
        self.forecast = forecast
        self.forecastThresholdMinor = forecastThresholdMinor
        self.remindersAwaitingApproval = remindersAwaitingApproval
    }

    /// What the forecast and dunning stages of `run` found (empty for a stage that did not run).
    package init(run: PipelineRun) {
        if let forecast = run.forecast {
            self.forecast =
                [ForecastDay(day: forecast.today, balanceMinor: forecast.openingBalanceMinor)]
                + forecast.days.map { ForecastDay(day: $0.date, balanceMinor: $0.balanceMinor) }
            forecastThresholdMinor = forecast.thresholdMinor
        }
        remindersAwaitingApproval = run.dunning?.awaitingSince
    }
}
